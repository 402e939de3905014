/**
 * Parent labels for the COCO classes, as Rekognition's label hierarchy names them (Cat → Pet, Mammal,
 * Animal). Only what the classes need; a class not listed has no parents.
 */
const MAMMAL = ['Mammal', 'Animal'];
const VEHICLE = ['Vehicle', 'Transportation'];
const FRUIT = ['Fruit', 'Plant', 'Food'];

export const PARENTS: Readonly<Record<string, readonly string[]>> = {
  Cat: ['Pet', ...MAMMAL],
  Dog: ['Pet', 'Canine', ...MAMMAL],
  Horse: MAMMAL,
  Sheep: MAMMAL,
  Cow: ['Cattle', ...MAMMAL],
  Elephant: ['Wildlife', ...MAMMAL],
  Bear: ['Wildlife', ...MAMMAL],
  Zebra: ['Wildlife', ...MAMMAL],
  Giraffe: ['Wildlife', ...MAMMAL],
  Bird: ['Animal'],
  Bicycle: VEHICLE,
  Car: VEHICLE,
  Motorcycle: VEHICLE,
  Airplane: ['Aircraft', ...VEHICLE],
  Bus: VEHICLE,
  Train: VEHICLE,
  Truck: VEHICLE,
  Boat: VEHICLE,
  Banana: FRUIT,
  Apple: FRUIT,
  Orange: FRUIT,
  Broccoli: ['Vegetable', 'Plant', 'Food'],
  Carrot: ['Vegetable', 'Plant', 'Food'],
  Sandwich: ['Food'],
  'Hot Dog': ['Food'],
  Pizza: ['Food'],
  Donut: ['Food'],
  Cake: ['Food'],
  // the parents' own parents
  Pet: ['Animal'],
  Mammal: ['Animal'],
  Canine: MAMMAL,
  Cattle: MAMMAL,
  Wildlife: ['Animal'],
  Aircraft: VEHICLE,
  Vehicle: ['Transportation'],
  Fruit: ['Plant', 'Food'],
  Vegetable: ['Plant', 'Food'],
};
